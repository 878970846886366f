"""Every HTTP shape of the gateway, one pydantic model each, grouped by the routes that use them."""

"""Points: members' accounts and, later, the append-only ledger, boards and redemptions."""

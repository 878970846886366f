"""Comms: bulletins and quizzes (#15)."""

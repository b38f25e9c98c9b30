"""Intake's pure rules: receipts, the facts routing may see, what a decision changes, retention."""

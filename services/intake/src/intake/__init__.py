"""Intake: accepts complaints from every door, stores them encrypted, announces them."""

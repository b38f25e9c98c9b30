"""Case tracking: each case, its part per institution, and its timeline."""

"""Case tracking's pure rules: the lifecycle, promises in business days, audiences, words."""

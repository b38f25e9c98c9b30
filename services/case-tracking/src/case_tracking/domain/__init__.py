"""Case tracking's pure rules: where a decision leaves a case, the timeline's words, cursors."""

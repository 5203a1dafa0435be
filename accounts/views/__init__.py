"""Account pages: signing in, the second factor, the user's own account and user management."""

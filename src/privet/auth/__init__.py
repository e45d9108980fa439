"""Admin accounts and API keys: password policy and hashes, sign-in with throttling,
roles (admin > privacy_officer > viewer), and the `privet users` commands."""

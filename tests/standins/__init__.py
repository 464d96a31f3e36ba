"""Stand-ins for the outside services the bot talks to, served on localhost for end-to-end tests."""

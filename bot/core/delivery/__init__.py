"""Text → chats: planning the outbox, pushes, the dispatcher and its window, pacing, scheduling."""

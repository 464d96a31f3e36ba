"""Catalog → text: one string table, composing, documents, rendering, fitting, who-said search."""

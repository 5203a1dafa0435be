"""The accounts API: who the caller is."""

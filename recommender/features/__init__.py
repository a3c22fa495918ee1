"""Text and household features used by the need surfacing and ranking stages."""

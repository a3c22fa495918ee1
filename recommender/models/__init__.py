"""Learned and pretrained components: the sentence encoder and BM25."""

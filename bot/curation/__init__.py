"""Curators' tools, upstream of the content: a news article → a draft of its statements in the
content format (`ringkas draft`), and a new summary file to fill in (`ringkas new summary`)."""

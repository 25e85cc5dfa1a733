"""Gateway of the child-protection chat service: channels, screening, handoff, console."""

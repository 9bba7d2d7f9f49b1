"""Evidence: append-only measurements, daily logs, checklist answers and documents."""

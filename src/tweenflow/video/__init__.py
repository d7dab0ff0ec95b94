"""Video: reading, timestamp scheduling, scene detection, writing, the streaming pipeline."""

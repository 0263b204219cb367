"""Intake: a consumed batch decoded, validated and handed to each dataset, or dead-lettered."""

"""Text analysis for prose-reading rules (TG103 has-purpose, TG204 goal-has-success-measure)."""

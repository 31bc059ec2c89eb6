-- Who publishes a stored outcome: results are handled side by side (threads and replicas), and the
-- sweeper republishes, so a publisher first claims the outcome until its send's acknowledgement
-- timeout; another one finds it claimed and leaves it.
ALTER TABLE assemblies ADD COLUMN outcome_claimed_until timestamp with time zone;

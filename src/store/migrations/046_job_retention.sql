-- SPDX-License-Identifier: AGPL-3.0-or-later
-- 046: batch jobs kept for a configured time (docs/batch-jobs.md, "Retention"): the scheduled
-- job removes the documents and sealed copies of jobs finished more than job_retention_days
-- ago and dates the purge here; the job's row, its items' names, states and hashes and the
-- usage records stay. The in-server workers look for runnable jobs by state.
ALTER TABLE jobs ADD COLUMN purged_at BIGINT;
CREATE INDEX jobs_state ON jobs (state, id);

-- What each published version of the policy changed from the one before (the sections).
ALTER TABLE policy_versions ADD COLUMN changes TEXT NOT NULL DEFAULT '[]';

-- Expand: a nullable column, so rows and clients that predate it stay valid.
ALTER TABLE students ADD COLUMN IF NOT EXISTS email text;
CREATE INDEX IF NOT EXISTS students_last_name_idx ON students (last_name, first_name);

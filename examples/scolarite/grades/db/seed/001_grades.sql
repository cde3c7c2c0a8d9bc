-- Grades (out of 20) for the students of students/db's seed. Fixed ids and ON CONFLICT DO NOTHING make a second
-- run change nothing.
INSERT INTO grades (id, student_id, course, score, created_at) VALUES
  (1, 1, 'Mathématiques', 15.5, '2024-10-07 09:00:00+00'),
  (2, 1, 'Histoire-géographie', 13, '2024-10-14 09:00:00+00'),
  (3, 1, 'Anglais', 17, '2024-11-04 09:00:00+00'),
  (4, 2, 'Mathématiques', 11, '2024-10-07 09:00:00+00'),
  (5, 2, 'Physique-chimie', 12.5, '2024-10-21 09:00:00+00'),
  (6, 3, 'Français', 16, '2024-10-09 09:00:00+00'),
  (7, 3, 'Mathématiques', 18.25, '2024-10-07 09:00:00+00'),
  (8, 4, 'SVT', 9.5, '2024-10-16 09:00:00+00'),
  (9, 5, 'Philosophie', 14, '2024-11-12 09:00:00+00'),
  (10, 5, 'Anglais', 12, '2024-11-04 09:00:00+00'),
  (11, 6, 'Économie', 10.75, '2024-10-18 09:00:00+00'),
  (12, 7, 'Mathématiques', 19, '2024-10-07 09:00:00+00'),
  (13, 8, 'Français', 13.5, '2024-10-09 09:00:00+00')
ON CONFLICT (id) DO NOTHING;

-- The explicit ids above did not advance the identity sequence: move it past them.
SELECT setval(pg_get_serial_sequence('grades', 'id'), (SELECT max(id) FROM grades));

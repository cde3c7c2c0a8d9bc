-- A few students to look at on a fresh environment. Fixed ids, because grades/db's seed refers to them;
-- ON CONFLICT DO NOTHING makes a second run change nothing.
INSERT INTO students (id, first_name, last_name, birth_date, email) VALUES
  (1, 'Camille', 'Martin', '2005-03-14', 'camille.martin@etu.example.fr'),
  (2, 'Lucas', 'Bernard', '2004-11-02', 'lucas.bernard@etu.example.fr'),
  (3, 'Léa', 'Dubois', '2005-07-21', 'lea.dubois@etu.example.fr'),
  (4, 'Hugo', 'Lefèvre', '2006-01-09', NULL),
  (5, 'Chloé', 'Moreau', '2005-09-30', 'chloe.moreau@etu.example.fr'),
  (6, 'Mathis', 'Girard', '2004-05-17', NULL),
  (7, 'Inès', 'Benali', '2006-02-25', 'ines.benali@etu.example.fr'),
  (8, 'Jean-Baptiste', 'N''Diaye', '2005-12-03', 'jb.ndiaye@etu.example.fr')
ON CONFLICT (id) DO NOTHING;

-- The explicit ids above did not advance the identity sequence: move it past them, or the next insert through the
-- api would collide with id 1.
SELECT setval(pg_get_serial_sequence('students', 'id'), (SELECT max(id) FROM students));

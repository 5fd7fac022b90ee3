-- import_floor.sql — the least a students import must write in Shushu's schema,
-- as plain SQL: for each row of the raw table `raw` (students.csv), find the
-- school and the class, then insert the person, the profile, the identity
-- document, the student and the enrolment, with one change-log record each, into
-- the real tables with their keys, foreign keys and indexes. No validation, no
-- encryption, no hashing, no dedup: ciphertexts and keyed hashes are random
-- bytes of their real sizes, public ids are time-ordered like the real ones.
-- bench/import.sh times this against the raw load and against `shushu import`.
PRAGMA foreign_keys = ON;
PRAGMA cache_size = -262144;
BEGIN;
CREATE TEMP TABLE src AS
  SELECT r.rowid AS n, s.id AS school_id, c.id AS class_id,
         r."姓名" AS name, r."性别" AS gender, r."入学年月" AS entry_month, r."入班日期" AS entry_date
  FROM raw r
  JOIN org_unit s ON s.school_code = r."学校标识码"
  JOIN org_unit c ON c.school_id = s.id AND c.kind = 'class' AND c.name = r."班级";
CREATE TEMP TABLE base AS
  SELECT (SELECT COALESCE(max(id), 0) FROM person) AS person, (SELECT COALESCE(max(id), 0) FROM student) AS student;
INSERT INTO person (id, uid, name, created_at, updated_at)
  SELECT base.person + n, printf('p%025d', base.person + n), name, 1, 1 FROM src, base;
INSERT INTO person_profile (uid, person_id, gender, birth_date, birth_date_mask, ethnicity, nationality, phone,
                            phone_mask, phone_hash, address, address_mask, match_hash, version, created_at, updated_at)
  SELECT printf('f%025d', base.person + n), base.person + n, gender, randomblob(50), '2011-**-**', randomblob(42),
         'CHN', randomblob(51), '138****1234', randomblob(32), randomblob(100), '山东省潍坊市潍城区**********',
         hex(randomblob(32)), 1, 1, 1
  FROM src, base;
INSERT INTO person_document (uid, person_id, doc_type, number, number_mask, number_hash, version, created_at, updated_at)
  SELECT printf('d%025d', base.person + n), base.person + n, '1', randomblob(58), '370702********8193',
         randomblob(32), 1, 1, 1
  FROM src, base;
INSERT INTO student (id, uid, school_id, person_id, name, gender, student_number, student_number_mask,
                     student_number_hash, category, status, entry_month, hukou_type, attendance_mode, inclusive,
                     version, created_at, updated_at)
  SELECT base.student + n, printf('s%025d', base.student + n), school_id, base.person + n, name, gender,
         randomblob(59), 'G370702*********8193', randomblob(32), '32100', '01', entry_month, randomblob(41), '1',
         randomblob(41), 1, 1, 1
  FROM src, base;
INSERT INTO enrollment (uid, school_id, student_id, class_id, entry_date, version, created_at, updated_at)
  SELECT printf('e%025d', base.student + n), school_id, base.student + n, class_id, entry_date, 1, 1, 1 FROM src, base;
INSERT INTO change_log (entity, row_uid, school_id, op, fields, source, at)
  SELECT e, printf('%s%025d', substr(e, 1, 1), base.person + n), CASE WHEN e IN ('student', 'enrollment') THEN school_id END,
         'insert', '["name","gender","birth_date","ethnicity","phone","address"]', 'import', 1
  FROM src, base, (SELECT 'person' AS e UNION ALL SELECT 'person_profile' UNION ALL SELECT 'person_document'
                   UNION ALL SELECT 'student' UNION ALL SELECT 'enrollment')
  ORDER BY n;
COMMIT;

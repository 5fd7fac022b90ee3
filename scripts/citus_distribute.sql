-- citus_distribute.sql — applies the distribution plan of docs/scale.md on a Citus 13.2
-- cluster (PostgreSQL 15): reference tables on every node, per-school tables distributed
-- by school_id and co-located with student, event and session tables kept on the
-- coordinator. The table placements are those of src/store/distribution.json (a test
-- checks that this script names every table exactly once, as the list says).
--
-- Run once with psql as the owner of the schema, on the coordinator, after `shushu
-- migrate` (or `shushu migrate-data`) created the schema and with every server stopped:
--   psql -v ON_ERROR_STOP=1 -d shushu -f scripts/citus_distribute.sql
-- The coordinator must be in the metadata for the local tables' foreign keys to reference
-- tables: SELECT citus_set_coordinator_host('coordinator-host', 5432);
--
-- Step 1 gives the per-school tables keys that include school_id (the exceptions listed
-- in distribution.json: today their keys are id alone); Citus refuses a distributed
-- table whose primary key or unique constraints lack the distribution column. Written
-- against the constraint names PostgreSQL gives by default. Not run here: Citus is not
-- installable on this project's Debian 12 build machines (see docs/scale.md).

\set ON_ERROR_STOP on

-- 1. keys with school_id --------------------------------------------------------------
ALTER TABLE enrollment DROP CONSTRAINT enrollment_student_id_fkey;
ALTER TABLE guardian_link DROP CONSTRAINT guardian_link_student_id_fkey;
ALTER TABLE student_change DROP CONSTRAINT student_change_student_id_fkey;
ALTER TABLE student_change DROP CONSTRAINT student_change_request_id_fkey;
ALTER TABLE teaching_assignment DROP CONSTRAINT teaching_assignment_staff_id_fkey;
ALTER TABLE class_profile DROP CONSTRAINT class_profile_head_teacher_id_fkey;
ALTER TABLE flow_decision DROP CONSTRAINT flow_decision_request_id_fkey;
ALTER TABLE assign_task_item DROP CONSTRAINT assign_task_item_task_id_fkey;
ALTER TABLE assign_task_item DROP CONSTRAINT assign_task_item_student_id_fkey;
ALTER TABLE assign_submission DROP CONSTRAINT assign_submission_task_id_fkey;
ALTER TABLE assign_submission DROP CONSTRAINT assign_submission_student_id_fkey;
ALTER TABLE assign_answer DROP CONSTRAINT assign_answer_submission_id_fkey;
ALTER TABLE assign_answer DROP CONSTRAINT assign_answer_task_item_id_fkey;
ALTER TABLE mastery_state DROP CONSTRAINT mastery_state_student_id_fkey;
ALTER TABLE mastery_event DROP CONSTRAINT mastery_event_student_id_fkey;
ALTER TABLE mastery_event DROP CONSTRAINT mastery_event_answer_id_fkey;

ALTER TABLE student DROP CONSTRAINT student_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT student_uid_key, ADD UNIQUE (school_id, uid);
ALTER TABLE staff DROP CONSTRAINT staff_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT staff_uid_key, ADD UNIQUE (school_id, uid);
ALTER TABLE class_profile DROP CONSTRAINT class_profile_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT class_profile_uid_key, ADD UNIQUE (school_id, uid),
  DROP CONSTRAINT class_profile_class_id_key, ADD UNIQUE (school_id, class_id);
ALTER TABLE enrollment DROP CONSTRAINT enrollment_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT enrollment_uid_key, ADD UNIQUE (school_id, uid);
ALTER TABLE guardian_link DROP CONSTRAINT guardian_link_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT guardian_link_uid_key, ADD UNIQUE (school_id, uid),
  DROP CONSTRAINT guardian_link_student_id_person_id_key, ADD UNIQUE (school_id, student_id, person_id);
ALTER TABLE teaching_assignment DROP CONSTRAINT teaching_assignment_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT teaching_assignment_uid_key, ADD UNIQUE (school_id, uid),
  DROP CONSTRAINT teaching_assignment_staff_id_class_id_subject_term_id_key,
  ADD UNIQUE (school_id, staff_id, class_id, subject, term_id);
ALTER TABLE school_profile DROP CONSTRAINT school_profile_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT school_profile_uid_key, ADD UNIQUE (school_id, uid);
ALTER TABLE flow_request DROP CONSTRAINT flow_request_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT flow_request_uid_key, ADD UNIQUE (school_id, uid);
ALTER TABLE flow_decision DROP CONSTRAINT flow_decision_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT flow_decision_uid_key, ADD UNIQUE (school_id, uid);
ALTER TABLE student_change DROP CONSTRAINT student_change_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT student_change_uid_key, ADD UNIQUE (school_id, uid);
ALTER TABLE assign_task DROP CONSTRAINT assign_task_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT assign_task_uid_key, ADD UNIQUE (school_id, uid);
ALTER TABLE assign_task_item DROP CONSTRAINT assign_task_item_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT assign_task_item_uid_key, ADD UNIQUE (school_id, uid);
ALTER TABLE assign_submission DROP CONSTRAINT assign_submission_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT assign_submission_uid_key, ADD UNIQUE (school_id, uid),
  DROP CONSTRAINT assign_submission_task_id_student_id_key, ADD UNIQUE (school_id, task_id, student_id);
ALTER TABLE assign_answer DROP CONSTRAINT assign_answer_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT assign_answer_uid_key, ADD UNIQUE (school_id, uid),
  DROP CONSTRAINT assign_answer_submission_id_task_item_id_key, ADD UNIQUE (school_id, submission_id, task_item_id);
ALTER TABLE mastery_state DROP CONSTRAINT mastery_state_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT mastery_state_uid_key, ADD UNIQUE (school_id, uid),
  DROP CONSTRAINT mastery_state_student_id_point_id_key, ADD UNIQUE (school_id, student_id, point_id);
ALTER TABLE mastery_event DROP CONSTRAINT mastery_event_pkey, ADD PRIMARY KEY (school_id, id),
  DROP CONSTRAINT mastery_event_answer_id_point_id_key, ADD UNIQUE (school_id, answer_id, point_id);

ALTER TABLE enrollment ADD FOREIGN KEY (school_id, student_id) REFERENCES student (school_id, id);
ALTER TABLE guardian_link ADD FOREIGN KEY (school_id, student_id) REFERENCES student (school_id, id);
ALTER TABLE student_change ADD FOREIGN KEY (school_id, student_id) REFERENCES student (school_id, id);
ALTER TABLE student_change ADD FOREIGN KEY (school_id, request_id) REFERENCES flow_request (school_id, id);
ALTER TABLE teaching_assignment ADD FOREIGN KEY (school_id, staff_id) REFERENCES staff (school_id, id);
ALTER TABLE class_profile ADD FOREIGN KEY (school_id, head_teacher_id) REFERENCES staff (school_id, id);
ALTER TABLE flow_decision ADD FOREIGN KEY (school_id, request_id) REFERENCES flow_request (school_id, id);
ALTER TABLE assign_task_item ADD FOREIGN KEY (school_id, task_id) REFERENCES assign_task (school_id, id);
ALTER TABLE assign_task_item ADD FOREIGN KEY (school_id, student_id) REFERENCES student (school_id, id);
ALTER TABLE assign_submission ADD FOREIGN KEY (school_id, task_id) REFERENCES assign_task (school_id, id);
ALTER TABLE assign_submission ADD FOREIGN KEY (school_id, student_id) REFERENCES student (school_id, id);
ALTER TABLE assign_answer ADD FOREIGN KEY (school_id, submission_id) REFERENCES assign_submission (school_id, id);
ALTER TABLE assign_answer ADD FOREIGN KEY (school_id, task_item_id) REFERENCES assign_task_item (school_id, id);
ALTER TABLE mastery_state ADD FOREIGN KEY (school_id, student_id) REFERENCES student (school_id, id);
ALTER TABLE mastery_event ADD FOREIGN KEY (school_id, student_id) REFERENCES student (school_id, id);
ALTER TABLE mastery_event ADD FOREIGN KEY (school_id, answer_id) REFERENCES assign_answer (school_id, id);

-- 2. reference tables (referenced tables first) ---------------------------------------
SELECT create_reference_table('org_unit');
SELECT create_reference_table('org_closure');
SELECT create_reference_table('org_history');
SELECT create_reference_table('code_table');
SELECT create_reference_table('code_item');
SELECT create_reference_table('term');
SELECT create_reference_table('person');
SELECT create_reference_table('person_profile');
SELECT create_reference_table('person_document');
SELECT create_reference_table('account');
SELECT create_reference_table('auth_factor');
SELECT create_reference_table('recovery_code');
SELECT create_reference_table('password_history');
SELECT create_reference_table('role');
SELECT create_reference_table('role_assignment');
SELECT create_reference_table('api_token');
SELECT create_reference_table('security_policy');
SELECT create_reference_table('shushu_meta');
SELECT create_reference_table('schema_migrations');
SELECT create_reference_table('xapi_client');
SELECT create_reference_table('xapi_activity');
SELECT create_reference_table('kg_point');
SELECT create_reference_table('kg_edge');
SELECT create_reference_table('item');
SELECT create_reference_table('item_version');
SELECT create_reference_table('item_kp');
SELECT create_reference_table('mastery_param');
SELECT create_reference_table('mastery_item');

-- 3. per-school tables: distributed by school_id, one co-location group -----------------
SELECT create_distributed_table('student', 'school_id', colocate_with => 'none');
SELECT create_distributed_table('staff', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('school_profile', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('class_profile', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('enrollment', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('guardian_link', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('teaching_assignment', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('flow_request', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('flow_decision', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('student_change', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('assign_task', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('assign_task_item', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('assign_submission', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('assign_answer', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('mastery_state', 'school_id', colocate_with => 'student');
SELECT create_distributed_table('mastery_event', 'school_id', colocate_with => 'student');

-- 4. on the coordinator: the audit chain, the change feed, sessions, jobs, xAPI events --
-- audit_log, change_log and xapi_statement are partitioned by month (PostgreSQL): each is
-- named here by its parent alone; its partitions, DEFAULT included, follow the parent, and
-- the partitions Shushu creates later (CREATE TABLE … PARTITION OF) join it the same way.
-- xapi_statement_key (PostgreSQL only) keeps statement ids unique across those months.
SELECT citus_add_local_table_to_metadata('audit_head');
SELECT citus_add_local_table_to_metadata('audit_log');
SELECT citus_add_local_table_to_metadata('change_log');
SELECT citus_add_local_table_to_metadata('session');
SELECT citus_add_local_table_to_metadata('import_job');
SELECT citus_add_local_table_to_metadata('xapi_statement');
SELECT citus_add_local_table_to_metadata('xapi_statement_activity');
SELECT citus_add_local_table_to_metadata('xapi_statement_agent');
SELECT citus_add_local_table_to_metadata('xapi_document');
SELECT citus_add_local_table_to_metadata('xapi_attachment');
SELECT citus_add_local_table_to_metadata('xapi_statement_key');

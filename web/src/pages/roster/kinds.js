// The roster lists the console offers: entity (for the data dictionary), API path, default
// columns, the exact-match search the API allows, and how the org tree's selection narrows
// the list (the list filters each kind has; nodes a kind cannot be narrowed to show the
// nearest scope with a note).
export const KINDS = {
  students: {
    entity: 'student',
    path: '/api/v1/students',
    title: '学生',
    columns: ['name', 'gender', 'student_number', 'status', 'category', 'entry_month', 'under_14', 'school'],
    search: { field: 'student_number', placeholder: '按全国学籍号精确查找' },
    scopes: { school: 'school' },
    classRoster: true, // a class shows its current students (GET /api/v1/class-rosters/{class})
  },
  staff: {
    entity: 'staff',
    path: '/api/v1/staff',
    title: '教职工',
    columns: ['name', 'staff_number', 'category', 'title', 'education', 'status', 'subjects'],
    search: { field: 'staff_number', placeholder: '按工号精确查找' },
    scopes: { school: 'school' },
  },
  guardians: {
    entity: 'guardian',
    path: '/api/v1/guardians',
    title: '家庭成员',
    columns: ['name', 'relation', 'is_guardian', 'student', 'school'],
    scopes: { school: 'school' },
  },
  classes: {
    entity: 'class_profile',
    path: '/api/v1/classes',
    title: '班级',
    columns: ['class', 'class_number', 'class_type', 'entry_year', 'head_teacher', 'school'],
    scopes: { school: 'school', class: 'class' },
  },
  schools: {
    entity: 'school_profile',
    path: '/api/v1/schools',
    title: '学校',
    columns: ['school', 'school_type', 'stages', 'running_body', 'urban_rural', 'address', 'founded'],
    scopes: { school: 'school' },
  },
}

// Fields never offered as columns: internal handles and bookkeeping.
export const HIDDEN_FIELDS = new Set(['id', 'person', 'version'])


// The four import kinds in the order they should be imported, what each file holds, and the
// names of the file columns that are not fields of the roster entity (for the error table).
export const IMPORT_KINDS = [
  { kind: 'classes', title: '班级', entity: 'class_profile', text: '年级与班级（新的年级、班级加入本校机构树），班号、班级类型、入学年份、班主任工号' },
  { kind: 'staff', title: '教职工', entity: 'staff', text: '姓名、工号、身份证件、学历、职称、编制、任教学科等' },
  { kind: 'students', title: '学生', entity: 'student', text: '姓名、身份证件、全国学籍号、所在年级与班级、入学年月等' },
  { kind: 'guardians', title: '家庭成员', entity: 'guardian', text: '学生的父母与其他监护人：与学生关系、是否监护人、联系电话' },
]

export const IMPORT_COLUMN_LABELS = {
  school_code: '学校标识码',
  grade: '年级',
  class: '班级',
  head_teacher: '班主任工号',
  id_type: '身份证件类型',
  id_number: '身份证件号',
  birth_date: '出生日期',
  ethnicity: '民族',
  nationality: '国籍/地区',
  phone: '联系电话',
  address: '现住址',
  entry_date: '入班日期',
  student_id_number: '学生身份证件号',
  student_number: '全国学籍号',
  work_unit: '工作单位',
}

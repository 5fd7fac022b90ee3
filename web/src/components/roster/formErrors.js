// A refused form, spread over its fields: the server's errors ({field, message}, all of them
// in `details` when several fields are wrong) on the fields the form has, the rest as one line.

/** Fill `errors` (reactive, emptied first) and return the message for the form as a whole. */
export function spreadErrors(err, known, errors) {
  for (const k of Object.keys(errors)) delete errors[k]
  const list = err.details && err.details.length ? err.details : err.field ? [{ field: err.field, message: err.message }] : []
  if (!list.length) return err.message
  const fields = new Set(known)
  for (const d of list) if (d.field && fields.has(d.field)) errors[d.field] = d.message
  const rest = list.filter((d) => !d.field || !fields.has(d.field)).map((d) => d.message)
  return rest.length ? rest.join('；') : `有 ${list.length} 处需要修改，请看标红的字段`
}

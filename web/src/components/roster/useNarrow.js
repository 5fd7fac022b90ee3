// Whether the window is phone-narrow (≤ 640 px), kept up to date: detail grids use one column there.
import { onBeforeUnmount, ref } from 'vue'

export function useNarrow(query = '(max-width: 640px)') {
  const mq = window.matchMedia(query)
  const narrow = ref(mq.matches)
  const update = (e) => (narrow.value = e.matches)
  mq.addEventListener('change', update)
  onBeforeUnmount(() => mq.removeEventListener('change', update))
  return narrow
}

import type { Descriptor, ImageConfig } from '../registry';

/**
 * The instruction that made each layer, from the image config's history: entries without `empty_layer` made
 * the layers, in order. When their count differs from the layers' (a squashed or hand-made image), nothing is
 * guessed: every instruction is undefined and the reason says why.
 */
export function layerInstructions(
  config: ImageConfig,
  layers: readonly Descriptor[],
): { instructions: Array<string | undefined>; note?: string } {
  const history = config.history ?? [];
  const made = history.filter((h) => !h.empty_layer);
  if (!history.length) return { instructions: layers.map(() => undefined), note: 'the image config has no history' };
  if (made.length !== layers.length)
    return {
      instructions: layers.map(() => undefined),
      note: `the image config's history names ${made.length} layer-making steps for ${layers.length} layers`,
    };
  return { instructions: made.map((h) => instructionText(h.created_by ?? h.comment)) };
}

/** `/bin/sh -c #(nop)  COPY file:ab in /app` -> `COPY file:ab in /app`; `RUN ... # buildkit` -> `RUN ...`. */
export function instructionText(createdBy: string | undefined): string | undefined {
  if (!createdBy) return undefined;
  let t = createdBy.trim().replace(/\s+# buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(t);
  if (nop) t = nop[1];
  else if (/^\/bin\/sh -c /.test(t)) t = `RUN ${t.slice('/bin/sh -c '.length)}`;
  return t.replace(/\s+/g, ' ').trim() || undefined;
}

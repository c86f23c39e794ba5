/** Number formatting shared by the gate messages and the renderers (not exported from the package). */

export function fmt(x: number): string {
  return x.toFixed(4);
}

/** Signed with a real minus sign, so columns of deltas line up and read as numbers. */
export function signed(x: number): string {
  const s = Math.abs(x).toFixed(4);
  return x < 0 && s !== '0.0000' ? `−${s}` : `+${s}`;
}

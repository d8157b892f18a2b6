/**
 * Short local names for globals used all over the device codec. A minifier cannot shorten a global
 * like `Uint8Array` or `Math.floor`, but it does shorten these bindings: ~300 bytes less device code.
 */
export var Bytes = Uint8Array;
export var floor = Math.floor;

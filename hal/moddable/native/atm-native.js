// Host functions implemented in esp32/atm-native.c and lin/atm-native.c (the Linux board),
// with Moddable's "@" host-function syntax (documentation/xs/XS in C.md). Typed by atm-native.d.ts.
export function restart() @ "xs_atm_restart";
export function fillRandom(into) @ "xs_atm_fill_random";
export function debugBuild() @ "xs_atm_debug_build";
export function crc32(crc, bytes, start, end) @ "xs_atm_crc32";

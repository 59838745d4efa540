// The module `rosette build` writes beside verify.js (src/site/render.rs, `verify_strings`):
// the theme's `verify_…` strings in the site's language.
declare const strings: { [key: string]: string };
export default strings;

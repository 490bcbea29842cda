// The built-in attack categories in the order people read them, the plainest first. Kept apart from the library
// (which reads files) so that the suite's settings and the browser can name them.
export const BUILT_IN_CATEGORIES = ['direct-override', 'prompt-extraction', 'role-play', 'indirect', 'encoding', 'multilingual', 'delimiter', 'payload-splitting', 'tool-hijack'] as const;

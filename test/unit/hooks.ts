import { freshUserCache } from '../helpers/fresh-cache';

/** Unit tests start with an empty product cache of their own (see freshUserCache). */
export const mochaHooks = freshUserCache();

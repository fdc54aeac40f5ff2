/** Run by `npm ci` (prepare): links node_modules/actlab to this checkout. */
import { ensureSelfLink } from '../lib/util/self-link';

ensureSelfLink();

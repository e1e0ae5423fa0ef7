// Entry of the zone-compile worker thread (compile-thread.ts starts it; a bundle of its own in the .deb).
import { runZoneCompileWorker } from "./compile-thread";

if (require.main === module) runZoneCompileWorker();

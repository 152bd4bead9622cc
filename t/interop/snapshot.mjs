// Download a repo with @huggingface/hub's snapshotDownload:
// node snapshot.mjs HUB_URL ORG/NAME REVISION CACHE_DIR
// The library logs progress with console.debug; keep stdout for the path.
import { snapshotDownload } from "@huggingface/hub";

console.debug = () => {};
const [hubUrl, name, revision, cacheDir] = process.argv.slice(2);
const path = await snapshotDownload({
	repo: { type: "model", name },
	revision,
	cacheDir,
	hubUrl,
});
console.log(path);

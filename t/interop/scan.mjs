// Print what @huggingface/hub's scanCacheDir sees in a cache, as JSON:
// node scan.mjs CACHE_DIR
import { scanCacheDir } from "@huggingface/hub";

const info = await scanCacheDir(process.argv[2]);
const out = {
	size: info.size,
	warnings: info.warnings.map((w) => String(w.message ?? w)),
	repos: info.repos.map((r) => ({
		id: r.id.name,
		type: r.id.type,
		size: r.size,
		filesCount: r.filesCount,
		revisions: r.revisions.map((v) => ({
			commit: v.commitOid,
			refs: [...v.refs].sort(),
			size: v.size,
			files: v.files
				.map((f) => ({ path: f.path, blob: f.blobPath }))
				.sort((a, b) => (a.path < b.path ? -1 : 1)),
		})).sort((a, b) => (a.commit < b.commit ? -1 : 1)),
	})).sort((a, b) => (a.id < b.id ? -1 : 1)),
};
console.log(JSON.stringify(out));

/**
 * Why this file exists: the face check's evaluation set is public pictures fetched from pinned
 * Debian packages (this machine reaches npm and Debian only), never committed. Each entry names
 * the package, version, path inside it, SHA-256, licence and what the picture shows;
 * scripts/face-eval.ts fetches and checks them, cases.ts turns them into evaluation cases.
 */

export interface DebianPackage {
	name: string;
	version: string;
}

export const SKIMAGE: DebianPackage = { name: 'python3-skimage', version: '0.19.3-8' };
export const MATPLOTLIB_DATA: DebianPackage = {
	name: 'python-matplotlib-data',
	version: '3.6.3-1',
};
export const GRAMPS: DebianPackage = { name: 'gramps', version: '5.1.5-1' };

/**
 * - `portrait`: one whole face, the detector must never refuse it;
 * - `group`: two or more faces of similar size (`several_faces` expected, refusal acceptable);
 * - `crowd`: many small faces far away (any verdict but a confident single face is acceptable);
 * - `no_face`: nothing that is a human face (the detector should refuse).
 */
export type SourceKind = 'portrait' | 'group' | 'crowd' | 'no_face';

export interface EvalSource {
	/** File name in the cache folder. */
	file: string;
	from: DebianPackage;
	path: string;
	sha256: string;
	licence: string;
	kind: SourceKind;
	shows: string;
}

const SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data/';
const SKIMAGE_LICENCE = 'per skimage/data docstrings';
const GRAMPS_EXAMPLES = '/usr/share/doc/gramps/example/gramps/';
const GRAMPS_LICENCE = 'GPL-2+ (debian/copyright, Files: *); historic photographs';

function skimage(
	name: string,
	sha256: string,
	kind: SourceKind,
	shows: string,
	licence: string,
): EvalSource {
	return {
		file: `skimage-${name}`,
		from: SKIMAGE,
		path: SKIMAGE_DATA + name,
		sha256,
		licence: `${licence} (${SKIMAGE_LICENCE})`,
		kind,
		shows,
	};
}

function gramps(name: string, sha256: string, kind: SourceKind, shows: string): EvalSource {
	return {
		file: `gramps-${name}`,
		from: GRAMPS,
		path: GRAMPS_EXAMPLES + name,
		sha256,
		licence: GRAMPS_LICENCE,
		kind,
		shows,
	};
}

export const EVAL_SOURCES: readonly EvalSource[] = [
	skimage(
		'astronaut.png',
		'88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5',
		'portrait',
		'astronaut Eileen Collins, colour, smiling, 512x512',
		'public domain (NASA)',
	),
	skimage(
		'camera.png',
		'b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a',
		'portrait',
		'photographer behind a camera on a tripod, grey, face partly hidden',
		'CC0 (Lav Varshney)',
	),
	{
		file: 'matplotlib-grace_hopper.jpg',
		from: MATPLOTLIB_DATA,
		path: '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg',
		sha256: 'a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130',
		licence: 'public domain (US Navy photograph)',
		kind: 'portrait',
		shows: 'Grace Hopper in uniform, glasses, colour, 512x600',
	},
	gramps(
		'654px-Aksel_Andersson.jpg',
		'008db50ce49674f9ecf70d45202010d3c291b1f8f50a171370f486dbe770a4c1',
		'portrait',
		'old man, white beard, sepia',
	),
	gramps(
		'Alimehemet.jpg',
		'c1a6f854038d0b953723f60655806815c19ad7637019cda0936ed2abc4f35af3',
		'portrait',
		'man with fez and beard, greyscale JPEG, oval vignette',
	),
	gramps(
		'E_W_Dahlgren.jpg',
		'c88a839c7619af83a81e0fbb9a45bb425afcef505b813d970467dc7cabf91deb',
		'portrait',
		'old man, moustache, sepia',
	),
	gramps(
		'Gunnlaugur_Larusson_-_Yawn.jpg',
		'7f9731f2647635ab60f75da3476c63a3b553ed176137c006d058ce0f7b745df2',
		'portrait',
		'bearded man with glasses yawning, head tilted, colour',
	),
	gramps(
		'O0.jpg',
		'ee8917b4c8b72638a15ebe6ea4534fcaca9aede507d2062415c90c49dbef41ec',
		'portrait',
		'man with glasses and moustache, close-up, 228x350',
	),
	gramps(
		'O3.jpg',
		'f068790efd8e122fb3b74d4a08566a96519741f634d763539e1acf4ec99b924a',
		'portrait',
		'old man in a hat, close-up, 244x267',
	),
	gramps(
		'O4.jpg',
		'cf646d89982c39aa6894176253936497e80e98364bd40e99039e10d63419e576',
		'portrait',
		'young woman, long dark hair, 318x554',
	),
	gramps(
		'AntoineClaudet.png',
		'c1bddae8f3d086cfde5dfec2b145bfa91846666b307b0b73b2ee84ae111a90ab',
		'portrait',
		'seated man, whole body, small face (about 12% of the height), 198x244',
	),
	gramps(
		'O2.jpg',
		'777d7ca21ab630721d4160d89cb8ff28d5895e5bca96912d4f79b2c9b1885b56',
		'group',
		'two children side by side, old photograph, 153x204',
	),
	gramps(
		'O5.jpg',
		'a3b5481491e77d8cbcd7df184c27de602721064898ed2dcfa379b3b936931986',
		'group',
		'two men at a table',
	),
	gramps(
		'O1.jpg',
		'7bca3649fcf91aa422601d4e2c2e557bcb97319d84ea3e7a49b2d25f662bbe90',
		'crowd',
		'people outdoors, tiny faces',
	),
	gramps(
		'1897_expeditionsmannschaft_rio_a.jpg',
		'adaaef7d62c63e355e39441f09ac48b54cba07624ea989685197361c1d310e19',
		'crowd',
		'expedition crew standing, tiny faces',
	),
	skimage(
		'chelsea.png',
		'596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb',
		'no_face',
		'a cat',
		'CC0 (Stefan van der Walt)',
	),
	skimage(
		'coffee.png',
		'cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7',
		'no_face',
		'a coffee cup',
		'CC0 (Rachel Michetti)',
	),
	skimage(
		'rocket.jpg',
		'c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c',
		'no_face',
		'a rocket launch',
		'public domain (SpaceX)',
	),
	skimage(
		'coins.png',
		'f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba',
		'no_face',
		'Greek coins (some with profiles in relief)',
		'public domain (Brooklyn Museum)',
	),
	skimage(
		'page.png',
		'341a6f0a61557662b02734a9b6e56ec33a915b2c41886b97509dedf2a43b47a3',
		'no_face',
		'a scanned page of text',
		'no known restrictions',
	),
	skimage(
		'text.png',
		'bd84aa3a6e3c9887850d45d606c96b2e59433fbef50338570b63c319e668e6d1',
		'no_face',
		'text photographed at an angle',
		'public domain (Wikipedia)',
	),
	skimage(
		'horse.png',
		'c7fb60789fe394c485f842291ea3b21e50d140f39d6dcb5fb9917cc178225455',
		'no_face',
		'silhouette of a horse',
		'CC0 (Andreas Preuss)',
	),
	skimage(
		'moon.png',
		'78739619d11f7eb9c165bb5d2efd4772cee557812ec847532dbb1d92ef71f577',
		'no_face',
		'surface of the moon',
		'no known restrictions',
	),
	skimage(
		'brick.png',
		'7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf',
		'no_face',
		'a brick wall',
		'CC0 (CC0Textures)',
	),
	skimage(
		'grass.png',
		'b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89',
		'no_face',
		'grass',
		'CC0',
	),
	skimage(
		'gravel.png',
		'c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12',
		'no_face',
		'gravel',
		'CC0 (CC0Textures)',
	),
	skimage(
		'clock_motion.png',
		'f029226b28b642e80113d86622e9b215ee067a0966feaf5e60604a1e05733955',
		'no_face',
		'a motion-blurred wall clock',
		'public domain (Stefan van der Walt)',
	),
	skimage(
		'color.png',
		'7d2df993de2b4fa2a78e04e5df8050f49a9c511aa75e59ab3bd56ac9c98aef7e',
		'no_face',
		'a colour chart',
		'scikit-image test data (BSD-3-Clause)',
	),
	skimage(
		'motorcycle_left.png',
		'db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179',
		'no_face',
		'a motorcycle in a room',
		'Middlebury stereo data set (free for research use)',
	),
	skimage(
		'ihc.png',
		'f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef',
		'no_face',
		'stained tissue under a microscope',
		'no known restrictions',
	),
	skimage(
		'cell.png',
		'8d23a7fb81f7cc877cd09f330357fc7f595651306e84e17252f6e0a1b3f61515',
		'no_face',
		'a cell (phase image)',
		'CC0',
	),
	skimage(
		'logo.png',
		'f2c57fe8af089f08b5ba523d95573c26e62904ac5967f4c8851b27d033690168',
		'no_face',
		'the scikit-image logo',
		'BSD-3-Clause',
	),
	skimage(
		'hubble_deep_field.jpg',
		'3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4',
		'no_face',
		'galaxies (Hubble deep field)',
		'public domain (NASA)',
	),
	skimage(
		'retina.jpg',
		'38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6',
		'no_face',
		'a retina (fundus photograph), 1411x1411',
		'CC0 (Mikael Häggström)',
	),
	gramps(
		'scanned_microfilm.png',
		'b75cfd62c2f46edca0dbc14c34076bbf9450533e85ae2cb5c72aaadec1cd5872',
		'no_face',
		'a scanned microfilm record (document), 100x61',
	),
	{
		file: 'matplotlib-logo2.png',
		from: MATPLOTLIB_DATA,
		path: '/usr/share/matplotlib/mpl-data/sample_data/logo2.png',
		sha256: '213c64254b1a9f6a2a5e0243cba0c9bf0278687be229e5869f13e44e35d4b7b0',
		licence: 'matplotlib licence (PSF-style)',
		kind: 'no_face',
		shows: 'the matplotlib logo, 560x120',
	},
];

/**
 * Photo-like test pictures made at test time (no binary fixtures in the repository): smooth
 * gradients like sky and skin, a few hard-edged shapes, fine texture and sensor-like noise, from a
 * seeded generator so every run sees the same pixels.
 */
import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';

/** Deterministic 32-bit generator (xorshift32), values in [0, 1). */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state >>>= 0;
		state ^= state >>> 17;
		state ^= state << 5;
		state >>>= 0;
		return state / 4294967296;
	};
}

export function syntheticPhoto(
	width: number,
	height: number,
	channels: 1 | 3 = 3,
	seed = 7,
): Picture {
	const random = seededRandom(seed);
	const data = new Uint8Array(width * height * channels);
	const centreX = width * 0.55;
	const centreY = height * 0.45;
	const radius = Math.min(width, height) * 0.28;
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const u = x / Math.max(1, width - 1);
			const v = y / Math.max(1, height - 1);
			// Background: sky-like vertical gradient with a soft diagonal shading.
			let r = 60 + 120 * v + 30 * Math.sin(u * 3.1);
			let g = 90 + 80 * v + 20 * Math.cos(v * 4.7 + u);
			let b = 180 - 90 * v + 25 * u;
			// A face-like disc with a smooth radial falloff.
			const distance = Math.hypot(x - centreX, y - centreY);
			if (distance < radius) {
				const shade = 1 - (distance / radius) ** 2 * 0.35;
				r = 215 * shade;
				g = 170 * shade;
				b = 140 * shade;
			}
			// A dark hard-edged rectangle and fine stripes: edges and texture.
			if (u > 0.08 && u < 0.25 && v > 0.6 && v < 0.9) {
				r = 30;
				g = 35;
				b = 45;
			}
			if (v > 0.92) {
				const stripe = (x >> 1) & 1 ? 25 : -25;
				r += stripe;
				g += stripe;
				b += stripe;
			}
			const noise = (random() - 0.5) * 10;
			const offset = (y * width + x) * channels;
			if (channels === 3) {
				data[offset] = clamp(r + noise);
				data[offset + 1] = clamp(g + noise);
				data[offset + 2] = clamp(b + noise);
			} else {
				data[offset] = clamp(0.299 * r + 0.587 * g + 0.114 * b + noise);
			}
		}
	}
	return { width, height, channels, data };
}

function clamp(value: number): number {
	return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}

/**
 * Why this file exists: tetrahedral interpolation (the method Little CMS uses for 3-D colour
 * tables) is needed twice, in a profile's own CLUT (iccLut.ts) and in the grid sampled from a
 * whole conversion (colourGrid.ts). Its one subtle step, which of the cube's six tetrahedra holds
 * the point, is here once: from the lower corner, one step along each axis in order of
 * decreasing fraction, each step weighted by its fraction.
 */

/**
 * For steps `sx, sy, sz` (offsets to the next grid point along each axis) and fractions
 * `fx, fy, fz`, writes into `walk`: [offset after the first step, offset after the second,
 * weight of the first, of the second, of the third]. The third step always ends at
 * sx + sy + sz. Value = v0 + w1 (v1 - v0) + w2 (v2 - v1) + w3 (v3 - v2).
 */
export function tetrahedralWalk(
	sx: number,
	sy: number,
	sz: number,
	fx: number,
	fy: number,
	fz: number,
	walk: Float64Array,
): void {
	if (fx >= fy && fy >= fz) setWalk(walk, sx, sx + sy, fx, fy, fz);
	else if (fx >= fz && fz >= fy) setWalk(walk, sx, sx + sz, fx, fz, fy);
	else if (fz >= fx && fx >= fy) setWalk(walk, sz, sz + sx, fz, fx, fy);
	else if (fy >= fx && fx >= fz) setWalk(walk, sy, sy + sx, fy, fx, fz);
	else if (fy >= fz && fz >= fx) setWalk(walk, sy, sy + sz, fy, fz, fx);
	else setWalk(walk, sz, sz + sy, fz, fy, fx);
}

function setWalk(
	walk: Float64Array,
	first: number,
	second: number,
	w1: number,
	w2: number,
	w3: number,
): void {
	walk[0] = first;
	walk[1] = second;
	walk[2] = w1;
	walk[3] = w2;
	walk[4] = w3;
}

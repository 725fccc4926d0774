// n8n finds the node and credential through the `n8n` section of package.json, not through
// this file (it is not published). It lets scripts in this repository load the built classes.
module.exports = {
	KredibelBiometric: require('./dist/nodes/KredibelBiometric/KredibelBiometric.node.js')
		.KredibelBiometric,
	KredibelApi: require('./dist/credentials/KredibelApi.credentials.js').KredibelApi,
};

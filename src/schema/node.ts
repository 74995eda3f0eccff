// The Node interface and node/nodes fields come from the relay plugin; every
// entity registers itself with builder.prismaNode. This file holds the viewer-scoped
// lookup rules the plugin calls for node(id:).
export {};

// Each test drives a whole portal process, some of them hard; two at once on a small machine
// would only make both slower and their failures harder to read.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]

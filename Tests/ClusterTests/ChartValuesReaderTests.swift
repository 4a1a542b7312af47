import Cluster
import Provisioning
import Testing

/// What drift detection reads out of a release's values: only the paths Urumi sets, in one
/// form for what it deploys and what `helm get values` prints.
@Suite struct ChartValuesReaderTests {
    @Test func whatUrumiDeploysReadsBackTheSameAndLeavesOutTheAdminEmail() throws {
        var target = testTarget()
        target = StoreTarget(
            id: target.id, spec: target.spec,
            config: StoreConfig(name: "Shop", plan: .medium, wordpressVersion: "7.1", plugins: [PluginSpec(slug: "akismet", version: "5.3")]))
        let expected = try ChartValuesReader.expected(StoreChartLayout().values(for: target))
        #expect(expected["plan"] == "medium")
        #expect(expected["wordpress.version"] == "7.1", "a version that looks like a number stays text")
        #expect(expected["woocommerce.version"] == nil, "unpinned: the chart's default, not compared")
        #expect(expected["plugins"] == #"[{"slug":"akismet","version":"5.3"}]"#)
        #expect(expected["suspended"] == "false")
        #expect(expected["adminEmail"] == nil)
        #expect(expected.values.allSatisfy { !$0.contains("owner@example.com") })
    }

    @Test func thePlatformsValuesAreNotTheStores() throws {
        let yaml = """
            storeName: Shop
            plan: large
            adminEmail: someone@example.com
            wordpress:
              version: "7.2"
              resources: {limits: {cpu: "2"}}
            ingress:
              className: nginx
            """
        #expect(try ChartValuesReader.owned(yaml) == ["storeName": "Shop", "plan": "large", "wordpress.version": "7.2"])
        #expect(try ChartValuesReader.owned("null\n").isEmpty)
    }
}

import { expect } from "chai";
import { Router, type Route } from "../../../src/oracle/http/router";

const route = (path: string): Route => ({ path, bounded: true, handlers: {} });

describe("http/router: which route a path reaches", function () {
  const routes = [
    route("/execute"),
    route("/actions"),
    route("/actions/:ipfsId"),
    route("/health"),
  ];
  const router = new Router(routes);

  it("matches exact paths, with no parameters", function () {
    expect(router.match("/execute")).to.deep.equal({ route: routes[0], params: {} });
    expect(router.match("/actions")?.route.path).to.equal("/actions");
  });

  it("matches a :name segment and decodes it", function () {
    expect(router.match("/actions/Qm%41b")).to.deep.equal({
      route: routes[2],
      params: { ipfsId: "QmAb" },
    });
  });

  it("keeps a malformed escape as sent, for the handler to refuse", function () {
    expect(router.match("/actions/%zz")?.params).to.deep.equal({ ipfsId: "%zz" });
  });

  it("matches nothing for an empty parameter, extra segments, a trailing slash or another case", function () {
    for (const path of ["/actions/", "/actions/a/b", "/execute/", "/Execute", "/", ""]) {
      expect(router.match(path), path).to.equal(undefined);
    }
  });

  it("does not take a parameterised path literally", function () {
    expect(router.match("/actions/:ipfsId")?.params).to.deep.equal({ ipfsId: ":ipfsId" });
  });

  it("refuses two routes for one path", function () {
    expect(() => new Router([route("/health"), route("/health")])).to.throw(/two routes/);
  });
});

# casesearch's Jekyll oracle: dropped as _plugins/casesearch_oracle.rb into a throwaway
# copy of a site by tests/jekyll_oracle.py (also used by bench/jekyll.py). After the
# build it writes, to $CASESEARCH_ORACLE_OUT, every page and document Jekyll wrote.
require "json"

module CasesearchOracle
  # Liquid is turned off for pages and documents (not layouts) so the unknown tags and
  # missing includes of real sites do not stop the build; the renderer checks
  # render_with_liquid? after the :pre_render hooks. :post_read also covers excerpts,
  # whose data is copied from their document when they are made.
  def self.no_liquid(item)
    item.data["render_with_liquid"] = false
    excerpt = item.data["excerpt"]
    excerpt.data["render_with_liquid"] = false if excerpt.respond_to?(:data)
  end

  # relative to the site source: a document's own relative_path leaves out collections_dir
  def self.source_path(item, site)
    return item.relative_path unless item.is_a?(Jekyll::Document)

    item.path.delete_prefix(File.join(site.source, ""))
  end

  def self.entry(item, kind, site)
    dest = site.dest
    {
      "relative_path" => source_path(item, site),
      "url"           => item.url,
      "output_ext"    => item.output_ext,
      "destination"   => item.destination(dest),
      "kind"          => kind,
      "redirect_to"   => item.data.key?("redirect_to"),
      "robots"        => item.data["robots"].to_s,
      "sitemap"       => item.data.key?("sitemap") ? item.data["sitemap"].to_s : nil,
      "title"         => item.data["title"].to_s,
      "lang"          => item.data["lang"].to_s,
    }
  end
end

Jekyll::Hooks.register :site, :post_read do |site|
  (site.pages + site.collections.values.flat_map(&:docs)).each do |item|
    CasesearchOracle.no_liquid(item)
  end
end

Jekyll::Hooks.register [:pages, :documents], :pre_render do |item|
  CasesearchOracle.no_liquid(item)
end

Jekyll::Hooks.register :site, :post_write do |site|
  written = site.pages.map { |page| CasesearchOracle.entry(page, "page", site) }
  site.docs_to_write.each do |doc|
    kind = doc.collection.label == "posts" ? "post" : "document:#{doc.collection.label}"
    written << CasesearchOracle.entry(doc, kind, site)
  end
  unwritten = site.collections.values.flat_map(&:docs).reject(&:write?).map do |doc|
    { "relative_path" => CasesearchOracle.source_path(doc, site), "collection" => doc.collection.label }
  end
  out = ENV.fetch("CASESEARCH_ORACLE_OUT")
  File.write(out, JSON.pretty_generate(
    "source" => site.source, "baseurl" => site.baseurl.to_s, "url" => site.config["url"].to_s,
    "written" => written, "not_written" => unwritten
  ))
end

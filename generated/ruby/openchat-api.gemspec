# frozen_string_literal: true

# The generated Ruby code for the openchat.v1 contract, as a gem. The code under lib/ is made by
# `make generate`; this file is written by hand.
Gem::Specification.new do |spec|
  spec.name = 'openchat-api'
  spec.version = '0.1.0'
  spec.summary = 'Generated Ruby messages and gRPC stubs for the openchat.v1 contract'
  spec.license = 'Apache-2.0'
  spec.authors = ['OpenChat']
  spec.required_ruby_version = '>= 3.1'
  spec.files = Dir['lib/**/*.rb'].sort
  spec.require_paths = ['lib']
  # The versions the code was generated for (tools/apt/codegen.txt): protoc 3.21 and gRPC 1.51.
  spec.add_dependency 'google-protobuf', '~> 3.21'
  spec.add_dependency 'grpc', '~> 1.51'
end

# Seed a Redmine 5.0 instance for trackerguard's integration tests (run with `rails runner`
# as www-data; scripts/redmine-test-server does that). Idempotent: safe on every start.
#
# Why a runner and not REST: trackers, statuses, workflows and custom fields cannot be
# created over the Redmine 5.0 API (403), so the test server must seed them here.
# Prints "API_KEY=<admin key>" for the caller; nothing else on stdout.

# Migrate and load default data only when the database is empty (gotcha 16: reset column
# information after migrating, or loading default data fails on Role).
if ActiveRecord::Base.connection.migration_context.needs_migration?
  ActiveRecord::Base.connection.migration_context.migrate
  ActiveRecord::Base.descendants.each(&:reset_column_information)
end
Redmine::DefaultData::Loader.load('en') if Tracker.count.zero? && IssueStatus.count.zero?

Setting.rest_api_enabled = '1'
Setting.login_required = '1' # a wrong key must not read public data as anonymous
Setting.text_formatting = ENV.fetch('TG_TEXT_FORMATTING', 'textile')
Setting.default_issue_start_date_to_creation_date = '0' # allow past due dates in fixtures
Setting.parent_issue_dates = 'independent'
Setting.parent_issue_priority = 'independent'
Setting.parent_issue_done_ratio = 'independent'
Setting.notified_events = [] # no mail jobs: fixtures are created 2-3x faster

admin = User.find_by_login('admin')
admin.must_change_passwd = false
if ENV['REDMINE_ADMIN_PASSWORD'].to_s != ''
  admin.password = admin.password_confirmation = ENV['REDMINE_ADMIN_PASSWORD']
end
admin.save!

new_status = IssueStatus.find_by(name: 'New') || IssueStatus.order(:position).first
blocked = IssueStatus.find_or_create_by!(name: 'Blocked') { |s| s.is_closed = false }

core_fields = Tracker::CORE_FIELDS # all core fields enabled
%w[Initiative Epic Feature Task Bug].each do |name|
  tracker = Tracker.find_or_initialize_by(name: name)
  tracker.default_status ||= new_status
  tracker.core_fields = core_fields
  tracker.save!
end

# Full workflows for every givable role and tracker, including "new issue" (old status 0):
# without a transition to Blocked, a status change over REST is silently ignored.
statuses = IssueStatus.all.to_a
Role.givable.each do |role|
  Tracker.all.each do |tracker|
    existing = WorkflowTransition.where(role_id: role.id, tracker_id: tracker.id)
                                 .pluck(:old_status_id, :new_status_id).to_set
    ([0] + statuses.map(&:id)).each do |old_id|
      statuses.each do |new_status_row|
        next if old_id == new_status_row.id
        next if existing.include?([old_id, new_status_row.id])

        WorkflowTransition.create!(role_id: role.id, tracker_id: tracker.id,
                                   old_status_id: old_id, new_status_id: new_status_row.id)
      end
    end
  end
end

unless IssueCustomField.exists?(name: 'Story Points')
  IssueCustomField.create!(name: 'Story Points', field_format: 'int', is_for_all: true,
                           tracker_ids: Tracker.pluck(:id), visible: true)
end
# Redmine has no labels: trackerguard can use a multi-value list field instead (label_field).
labels = IssueCustomField.find_by(name: 'Labels')
unless labels
  IssueCustomField.create!(name: 'Labels', field_format: 'list', multiple: true, is_for_all: true,
                           possible_values: ['trackerguard', 'trackerguard:skip', 'needs-design'],
                           tracker_ids: Tracker.pluck(:id), visible: true)
end
IssueCustomField.where(name: ['Story Points', 'Labels']).each do |cf|
  cf.tracker_ids = Tracker.pluck(:id)
  cf.save!
end

puts "API_KEY=#{admin.api_key}"
